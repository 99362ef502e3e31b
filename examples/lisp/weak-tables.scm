; Weak-value hash tables (Guile's make-weak-value-hash-table): a cache whose
; values are freshly allocated lists. Every third value is also kept in a
; global list; the rest are dropped, and after (gc) their entries read as
; missing and no longer count in hash-table-size. Immediates stored in a
; weak table are not objects and stay. Guile is NOT the reference for this
; output: its collector is conservative, so it may keep some dropped values
; alive; this collector is precise, so the output below is exact and the
; same on every backend, with or without stress mode.
(define size 2000)

(define (make-value i) (list i (* i i) (list 'cached i)))
(define cache (make-weak-value-hash-table))
(define kept
  (let loop ((i 0) (acc '()))
    (if (= i size)
        acc
        (let ((value (make-value i)))
          (hash-table-set! cache i value)
          (loop (+ i 1) (if (= 0 (remainder i 3)) (cons value acc) acc))))))
(hash-table-set! cache 'answer 42)    ; an immediate: kept
(hash-table-set! cache 'letter #\x)   ; an immediate: kept
(hash-table-set! cache 'dropped (list 'soon 'gone))
(gc)

(define (mapped-keys)
  (let loop ((i (- size 1)) (acc '()))
    (if (< i 0)
        acc
        (loop (- i 1) (if (hash-table-ref/default cache i #f) (cons i acc) acc)))))
(define live (mapped-keys))
(define (count-if ok? xs)
  (let loop ((xs xs) (n 0)) (if (null? xs) n (loop (cdr xs) (if (ok? (car xs)) (+ n 1) n)))))
(display "after gc: size ") (display (hash-table-size cache))
(display ", keys still mapped ") (display (length live))
(display ", all multiples of 3: ")
(display (= (length live) (count-if (lambda (i) (= 0 (remainder i 3))) live)))
(newline)
(display "first keys: ")
(display (let loop ((xs live) (n 0)) (if (or (null? xs) (= n 8)) '() (cons (car xs) (loop (cdr xs) (+ n 1))))))
(newline)
(display "dropped key 1: ") (display (hash-table-ref/default cache 1 'missing))
(display ", via thunk: ") (display (hash-table-ref cache 2 (lambda () 'missing)))
(display ", dropped list: ") (display (hash-table-ref/default cache 'dropped 'missing))
(newline)
(display "immediates: ") (display (list (hash-table-ref cache 'answer) (hash-table-ref cache 'letter)))
(newline)
; The kept values are intact, and the table still hands out the same objects.
(display "kept values intact: ")
(display (count-if (lambda (v) (and (eq? v (hash-table-ref cache (car v)))
                                    (equal? v (make-value (car v)))))
                   kept))
(display " of ") (display (length kept))
(newline)
(display "kept 0 and 3: ")
(display (list (hash-table-ref cache 0) (hash-table-ref cache 3)))
(newline)
; Deleting and overwriting work as in a strong table.
(hash-table-delete! cache 0)
(hash-table-set! cache 3 'now-an-immediate)
(set! kept '())
(gc)
(display "after dropping the rest: size ") (display (hash-table-size cache))
(display ", key 3 maps to ") (display (hash-table-ref/default cache 3 'missing))
(display ", key 6 maps to ") (display (hash-table-ref/default cache 6 'missing))
(newline)
