loadtape export a.tape b.tape
