; Closures and the environments they capture, many of them cyclic:
; counters, mutually recursive local procedures, an object with state.
(define size 200)

(define (make-counter)
  (let ((n 0))
    (lambda () (set! n (+ n 1)) n)))

(define c1 (make-counter))
(define c2 (make-counter))
(c1) (c1) (c2)
(display "counters: ") (display (c1)) (display " ") (display (c2)) (newline)

(define (parity n)
  ; Mutually recursive local procedures: their frame refers to both
  ; closures, and each closure refers back to the frame (a cycle).
  (define (ev? k) (if (= k 0) #t (od? (- k 1))))
  (define (od? k) (if (= k 0) #f (ev? (- k 1))))
  (if (ev? n) 'even 'odd))
(display "parity: ") (display (list (parity 10) (parity 7) (parity 0))) (newline)

(define (compose f g) (lambda (x) (f (g x))))
(define (adder k) (lambda (x) (+ x k)))
(define add5-then-double (compose (lambda (x) (* 2 x)) (adder 5)))
(display "compose: ") (display (add5-then-double 10)) (newline)

(define (make-account balance)
  (define (deposit! amount) (set! balance (+ balance amount)) balance)
  (define (withdraw! amount)
    (if (< balance amount)
        'insufficient
        (begin (set! balance (- balance amount)) balance)))
  (lambda (message amount)
    (cond ((eq? message 'deposit) (deposit! amount))
          ((eq? message 'withdraw) (withdraw! amount))
          (else 'unknown))))
(define account (make-account 100))
(account 'deposit 50)
(display "account: ")
(display (list (account 'withdraw 30) (account 'withdraw 500) (account 'audit 0)))
(newline)

(define (map f xs) (if (null? xs) '() (cons (f (car xs)) (map f (cdr xs)))))
(define (iota n) (let loop ((i n) (acc '())) (if (= i 0) acc (loop (- i 1) (cons i acc)))))
(display "map: ") (display (map (adder 10) (iota 5))) (newline)

(define (churn-closures i total)
  ; Every iteration leaves behind a cyclic environment as garbage.
  (if (= i 0)
      total
      (let ((counter (make-counter)))
        (counter)
        (churn-closures (- i 1) (+ total (counter) (if (eq? (parity i) 'even) 1 0))))))
(display "cyclic garbage: ") (display (churn-closures size 0)) (newline)
