; Strings, growable vectors, equal? and SRFI-69 hash tables. The eq? table
; keys pairs by identity: under stress on the copying backend every
; allocating step collects and moves them, and every lookup must still hit.
(define size 2000)

(define (iota n) (let loop ((i n) (acc '())) (if (= i 0) acc (loop (- i 1) (cons (- i 1) acc)))))
(define (for-each f xs) (if (pair? xs) (begin (f (car xs)) (for-each f (cdr xs)))))
(define (sum xs) (let loop ((xs xs) (acc 0)) (if (null? xs) acc (loop (cdr xs) (+ acc (car xs))))))

; eq? tables: keys by identity.
(define keys (let loop ((i 0) (acc '())) (if (= i size) acc (loop (+ i 1) (cons (cons i i) acc)))))
(define by-id (make-hash-table eq?))
(for-each (lambda (k) (hash-table-set! by-id k (car k))) keys)
(define garbage (iota size)) ; more allocation (and, under stress, moves)
(display "eq? table: size ") (display (hash-table-size by-id))
(display ", sum of lookups ") (display (sum (let loop ((ks keys) (acc '()))
                                            (if (null? ks) acc
                                                (loop (cdr ks) (cons (hash-table-ref by-id (car ks)) acc))))))
(display ", equal copy found: ")
(display (hash-table-ref/default by-id (cons 0 0) 'no))
(newline)

; equal? tables: keys by structure.
(define by-value (make-hash-table))
(hash-table-set! by-value '(1 2 3) 'list)
(hash-table-set! by-value "text" 'string)
(hash-table-set! by-value (vector 1 "a" '(b)) 'vector)
(hash-table-set! by-value 42 'number)
(hash-table-set! by-value 'sym 'symbol)
(hash-table-set! by-value (list 1 2 3) 'list-again) ; replaces the first
(display "equal? table: ")
(display (list (hash-table-ref by-value (list 1 2 3))
               (hash-table-ref by-value (string-append "te" "xt"))
               (hash-table-ref by-value (list->vector (list 1 "a" (list 'b))))
               (hash-table-ref/default by-value 42 #f)
               (hash-table-ref by-value 'sym (lambda () 'missing))
               (hash-table-ref by-value 'other (lambda () 'missing))
               (hash-table-size by-value)))
(hash-table-delete! by-value 42)
(hash-table-delete! by-value 'not-there)
(display " after delete: ") (display (hash-table-size by-value))
(display " ") (display (hash-table-ref/default by-value 42 'gone))
(newline)

; Many equal? keys: lists of numbers.
(define squares (make-hash-table equal?))
(for-each (lambda (i) (hash-table-set! squares (list i (+ i 1)) (* i i))) (iota size))
(display "list keys: ") (display (hash-table-size squares)) (display " ")
(display (sum (let loop ((i 0) (acc '()))
                (if (= i size) acc (loop (+ i 1) (cons (hash-table-ref squares (list i (+ i 1))) acc))))))
(newline)

; Growable vectors.
(define v (make-vector 0))
(for-each (lambda (i) (vector-push! v (* 2 i))) (iota size))
(vector-set! v 0 "first")
(display "vector: length ") (display (vector-length v))
(display ", last ") (display (vector-ref v (- size 1)))
(display ", head ") (display (vector-ref v 0))
(display ", sum of the rest ") (display (sum (cdr (vector->list v))))
(newline)

; equal? and eq?
(display "equal?: ")
(display (list (equal? (list 1 (vector 2 "x") '(3 . 4)) (list 1 (vector 2 "x") '(3 . 4)))
               (equal? (vector 1 2) (vector 1 2 3))
               (equal? "abc" "abd")
               (eq? (list 1) (list 1))
               (eq? 'a 'a)
               (string? "s") (vector? v) (string-length "hello")))
(newline)
