loadtape --version
