; Takeuchi's function, the Gabriel benchmark: deep non-tail recursion on integers.
(define size 6)

(define (tak x y z)
  (if (not (< y x))
      z
      (tak (tak (- x 1) y z)
           (tak (- y 1) z x)
           (tak (- z 1) x y))))

(define x (* 3 size))
(define y (* 2 size))
(display "tak(") (display x) (display ", ") (display y) (display ", ") (display size)
(display ") = ") (display (tak x y size))
(newline)
