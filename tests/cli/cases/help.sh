loadtape --help
