; Non-tail recursion as deep as size: the evaluator must not overflow the
; Rust stack.
(define size 10000)

(define (count-up n) (if (= n 0) 0 (+ 1 (count-up (- n 1)))))
(define (build n) (if (= n 0) '() (cons n (build (- n 1)))))
(define (sum xs) (if (null? xs) 0 (+ (car xs) (sum (cdr xs)))))
(define (length* xs) (if (pair? xs) (+ 1 (length* (cdr xs))) 0))

(define xs (build size))
(display "depth: ") (display (count-up size)) (newline)
(display "length: ") (display (length* xs)) (display " ") (display (length xs)) (newline)
(display "sum: ") (display (sum xs)) (newline)
