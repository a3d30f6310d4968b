loadtape inspect ev.tape --records --limit 0
