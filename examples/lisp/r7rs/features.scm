;;; The R7RS features the interpreter has, one line each; the expected
;;; output (features.expected) is Guile 3.0's, checked in.

(define (show label value)
  (display label) (display ": ") (write value) (newline))

;; Binding forms.
(show "let*" (let* ((x 1) (y (+ x 1))) (* x y)))
(show "letrec" (letrec ((even? (lambda (n) (if (= n 0) #t (odd? (- n 1)))))
                        (odd? (lambda (n) (if (= n 0) #f (even? (- n 1))))))
                 (list (even? 100) (odd? 7))))
(show "letrec*" (letrec* ((a 1) (b (+ a 1))) (list a b)))
(show "named let" (let loop ((i 0) (acc '())) (if (= i 5) (reverse acc) (loop (+ i 1) (cons i acc)))))
(show "do" (do ((i 0 (+ i 1)) (sum 0 (+ sum i))) ((= i 10) sum)))
(show "do body" (let ((v (make-vector 5 0))) (do ((i 0 (+ i 1))) ((= i 5) v) (vector-set! v i (* i i)))))
(show "internal define" (let () (define a 10) (define (f x) (* a x)) (f 4)))
(define (outer n)
  (define (inner k) (if (= k 0) 'done (inner (- k 1))))
  (inner n))
(show "internal define in a body" (outer 100000))

;; Conditionals.
(show "case" (map (lambda (x) (case x ((1 2 3) 'small) ((a b) 'letter) (else 'other))) '(2 b 9)))
(show "case =>" (case 5 ((5) => (lambda (x) (* x 2))) (else 0)))
(show "when" (when (> 3 2) 'yes))
(show "unless" (unless (> 3 2) 'yes))
(show "cond =>" (cond ((assv 2 '((1 . one) (2 . two))) => cdr) (else 'none)))
(show "cond else" (cond ((assv 9 '((1 . one))) => cdr) (else 'none)))
(show "and/or" (list (and 1 2) (and) (or #f 3) (or)))

;; Quasiquote and literals.
(define n 3)
(show "quasiquote" `(a ,n ,@(list 1 2) (b ,(+ n 1)) . c))
(show "nested quasiquote" `(1 `(2 ,(3 ,(+ 1 3)))))
(show "vector quasiquote" `#(1 ,n ,@(list 4 5)))
(show "vector literal" '#(1 "two" #\3 (4)))
(show "self-evaluating vector" #(1 2 3))
(show "characters" (list #\a #\space #\newline #\x41 #\tab))
(show "strings" "tab\there \"quoted\" back\\slash")
(show "block comment" (+ 1 #| ignored #| nested |# |# 2))
(show "datum comment" (list 1 #;(ignored) 2))

;; Lists.
(show "map" (map + '(1 2 3) '(10 20 30)))
(show "for-each" (let ((acc 0)) (for-each (lambda (x) (set! acc (+ acc x))) '(1 2 3)) acc))
(show "append" (list (append) (append '(1) '(2 3) '() '(4 . 5)) (append '() 'x)))
(show "reverse" (reverse '(1 (2 3) 4)))
(show "assq/assv/assoc" (list (assq 'b '((a 1) (b 2))) (assv 2 '((1 a) (2 b))) (assoc "b" '(("a" . 1) ("b" . 2)))))
(show "memq/memv/member" (list (memq 'c '(a b c d)) (memv 3 '(1 2 3 4)) (member '(1) '((0) (1) (2)))))
(show "cxr" (let ((x '((1 2) (3 4) (5 6) (7 8)))) (list (caar x) (cadr x) (cdar x) (cddr x) (caddr x) (cdddr x) (cadddr x) (caadr x))))
(show "list-tail/list-ref" (list (list-tail '(1 2 3 4) 2) (list-ref '(a b c) 1)))
(show "length/list?" (list (length '(1 2 3)) (list? '(1 2)) (list? '(1 . 2))))
(show "apply" (list (apply + 1 2 '(3 4)) (apply list '()) (apply max '(3 9 2))))

;; Integers.
(show "predicates" (list (zero? 0) (even? 4) (odd? 4) (positive? -1) (negative? -1)))
(show "abs/max/min" (list (abs -7) (max 1 5 3) (min 4 2 8) (max 1 2.0)))
(show "division" (list (quotient 17 5) (remainder 17 5) (modulo 17 5)
                       (quotient -17 5) (remainder -17 5) (modulo -17 5) (modulo 17 -5)))
(show "floor/truncate division" (list (floor-quotient -7 2) (floor-remainder -7 2)
                                      (truncate-quotient -7 2) (truncate-remainder -7 2)))
(show "gcd/lcm" (list (gcd 12 18) (gcd) (lcm 4 6) (lcm)))
(show "expt" (list (expt 2 10) (expt 2.0 0.5) (expt 0 0) (expt 3 0)))
(show "exact integer sqrt" (call-with-values (lambda () (exact-integer-sqrt 17)) list))
(show "number->string" (list (number->string 42) (number->string 255 16) (number->string -10 2) (number->string 1.5)))
(show "string->number" (list (string->number "42") (string->number "ff" 16) (string->number "1e3") (string->number "abc") (string->number "#xff")))

;; Bignums.
(show "bignums" (list (expt 2 100) (* 4611686018427387904 2) (- (expt 2 64) (expt 2 64))
                      (quotient (expt 10 30) 7) (remainder (expt 10 30) 7) (modulo (- (expt 10 30)) 7)
                      (exact->inexact (expt 2 70)) (number->string (expt 3 50) 16)
                      (< (expt 2 65) (expt 2 66)) (= (expt 2 65) (* 2 (expt 2 64)))
                      (string->number "123456789012345678901234567890") 123456789012345678901234567890
                      (gcd (expt 2 80) (expt 6 40)) (abs (- (expt 2 70))) (even? (expt 2 70))
                      (call-with-values (lambda () (exact-integer-sqrt (expt 10 41))) list)))

;; Floats.
(show "floats" (list 1.5 -0.25 100.0 1e21 1e-7 (/ 1.0 3) (* 1.0 1e10)))
(show "exact division" (list (/ 6 3) (/ 12 4 3) (exact->inexact 1/4)))
(show "mixed arithmetic" (list (+ 1 2.5) (* 2 0.5) (- 10 0.5) (= 1 1.0) (< 1 1.5 2)))
(show "rounding" (list (floor 2.5) (ceiling 2.5) (round 2.5) (round 3.5) (round -2.5) (truncate -2.7) (round 7)))
(show "exact/inexact" (list (exact 3.0) (inexact 3) (exact->inexact 7) (inexact->exact 2.0)))
(show "sqrt" (list (sqrt 16) (sqrt 2) (sqrt 2.25)))
(show "transcendental" (list (exp 0) (log 1) (sin 0) (cos 0) (atan 1 1) (atan 1)))
(show "number predicates" (list (number? 1) (number? 1.5) (integer? 2.0) (integer? 2.5) (rational? 1.5) (real? 1) (exact? 1) (inexact? 1.0) (exact-integer? 5) (nan? (/ 0. 0.))))

;; Types and equivalence.
(show "type predicates" (list (symbol? 'a) (string? "a") (char? #\a) (vector? #(1)) (pair? '(1)) (null? '()) (procedure? car) (procedure? (lambda () 1)) (boolean? #f)))
(show "eqv?" (list (eqv? 2 2) (eqv? 2.0 2.0) (eqv? #\a #\a) (eqv? '() '()) (eqv? "a" "a") (eqv? 2 2.0)))
(show "eq?" (list (eq? 'a 'a) (eq? '() '()) (let ((p (cons 1 2))) (eq? p p))))
(show "equal?" (list (equal? '(1 #(2 "x")) '(1 #(2 "x"))) (equal? "ab" "ab") (equal? 1 1.0)))

;; Characters, strings and symbols.
(show "char procedures" (list (char->integer #\A) (integer->char 97) (char-upcase #\a) (char-downcase #\A)
                              (char-alphabetic? #\a) (char-numeric? #\5) (char-whitespace? #\space) (char<? #\a #\b #\c)))
(show "string procedures" (list (string-length "hello") (string-ref "hello" 1) (substring "hello" 1 3)
                                (string-append "ab" "cd" "") (string->list "abc") (list->string '(#\x #\y))
                                (string=? "a" "a") (string<? "abc" "abd") (string-upcase "MiXed")))
(show "mutable strings" (let ((s (make-string 3 #\-))) (string-set! s 1 #\+) s))
(show "string-copy" (let* ((a "abc") (b (string-copy a))) (string-set! b 0 #\z) (list a b)))
(show "symbols" (list (symbol->string 'abc) (string->symbol "xyz") (eq? 'abc (string->symbol "abc"))))

;; Vectors.
(show "vector procedures" (let ((v (make-vector 3 'x))) (vector-set! v 0 'y)
                            (list v (vector-length v) (vector-ref v 0) (vector->list #(1 2 3)) (list->vector '(1 2)))))
(show "vector-map" (vector-map (lambda (x) (* x x)) #(1 2 3)))
(show "vector-fill!" (let ((v (make-vector 2 0))) (vector-fill! v 7) v))

;; Output and string ports.
(show "write vs display" (let ((port (open-output-string)))
                           (write "a\"b" port) (display "a\"b" port) (write #\x port) (display #\x port)
                           (write-char #\! port) (newline port) (write 'sym port)
                           (get-output-string port)))
(show "input string port" (let ((port (open-input-string "(1 2) foo \"bar\" 42")))
                            (let loop ((acc '()))
                              (let ((x (read port)))
                                (if (eof-object? x) (reverse acc) (loop (cons x acc)))))))
(show "read-char/peek-char" (let ((port (open-input-string "ab")))
                              (let* ((a (peek-char port)) (b (read-char port)) (c (read-char port)) (d (read-char port)))
                                (list a b c (eof-object? d)))))
(show "read-line" (let ((port (open-input-string "one\ntwo\n"))) (list (read-line port) (read-line port) (eof-object? (read-line port)))))

;; Multiple values, records, continuations.
(show "values" (call-with-values (lambda () (values 1 2 3)) list))
(show "one value" (call-with-values (lambda () 5) (lambda (x) (* x 2))))
(define-record-type point (make-point x y) point? (x point-x set-point-x!) (y point-y))
(show "records" (let ((p (make-point 1 2))) (set-point-x! p 10) (list (point? p) (point? 5) (point-x p) (point-y p))))
(show "call/cc escape" (call-with-current-continuation (lambda (k) (+ 1 (k 42)))))
(show "call/cc in a loop" (call/cc (lambda (return) (for-each (lambda (x) (if (> x 2) (return x))) '(1 2 3 4)) 'none)))
(define saved #f)
(define count 0)
(show "call/cc re-entry" (let ((x (call/cc (lambda (k) (set! saved k) 0))))
                           (set! count (+ count 1))
                           (if (< x 3) (saved (+ x 1)) (list x count))))
(show "dynamic-wind" (let ((trace '()))
                       (call/cc (lambda (k)
                                  (dynamic-wind
                                   (lambda () (set! trace (cons 'before trace)))
                                   (lambda () (k 'escaped))
                                   (lambda () (set! trace (cons 'after trace))))))
                       (reverse trace)))
(show "delay/force" (let* ((count 0) (p (delay (begin (set! count (+ count 1)) count))))
                      (list (force p) (force p) count)))
(show "string->symbol round trip" (symbol->string (string->symbol "hello world")))
(show "assoc with many" (let loop ((i 0) (al '())) (if (< i 100) (loop (+ i 1) (cons (cons i (* i i)) al)) (cdr (assv 42 al)))))
