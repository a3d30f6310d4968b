loadtape report --help
