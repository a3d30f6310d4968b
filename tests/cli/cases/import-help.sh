loadtape import --help
