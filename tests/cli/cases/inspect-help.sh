loadtape inspect --help
