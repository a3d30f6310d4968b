loadtape import -o out.tape
