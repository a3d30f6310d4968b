loadtape export -h
