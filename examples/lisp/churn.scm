; Allocates far more than the heap holds over a tiny live set: every
; iteration builds a 100-element list and a vector, sums them and drops them.
(define size 300)

(define (build n acc) (if (= n 0) acc (build (- n 1) (cons n acc))))
(define (sum xs acc) (if (null? xs) acc (sum (cdr xs) (+ acc (car xs)))))

(define (vector-sum v i acc)
  (if (= i (vector-length v)) acc (vector-sum v (+ i 1) (+ acc (vector-ref v i)))))

(define (churn i total)
  (if (= i 0)
      total
      (let ((v (make-vector 10 i)))
        (churn (- i 1) (+ total (sum (build 100 '()) 0) (vector-sum v 0 0))))))

(display "iterations: ") (display size) (newline)
(display "total: ") (display (churn size 0)) (newline)
