; Doubly recursive Fibonacci: many short-lived integers and frames.
(define size 20)

(define (fib n)
  (if (< n 2)
      n
      (+ (fib (- n 1)) (fib (- n 2)))))

(define (show-fibs i)
  (if (<= i 10)
      (begin (display (fib i)) (display " ") (show-fibs (+ i 1)))))

(show-fibs 0)
(newline)
(display "fib(") (display size) (display ") = ") (display (fib size))
(newline)
