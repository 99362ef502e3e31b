;;; The library written in Scheme, run before every program, on the heap
;;; like everything else: the procedures that call procedures (map,
;;; for-each, dynamic-wind, call/cc's wind handling, ...) and a few
;;; conveniences. Names starting with % are the interpreter's own.

(define (map f list . lists)
  (define (map1 list acc)
    (if (pair? list)
        (map1 (cdr list) (cons (f (car list)) acc))
        (reverse acc)))
  (define (map-n lists acc)
    (if (%all-pairs? lists)
        (map-n (%cdrs lists) (cons (apply f (%cars lists)) acc))
        (reverse acc)))
  (if (null? lists)
      (map1 list '())
      (map-n (cons list lists) '())))

(define (for-each f list . lists)
  (if (null? lists)
      (let loop ((list list))
        (if (pair? list)
            (begin (f (car list)) (loop (cdr list)))))
      (let loop ((lists (cons list lists)))
        (if (%all-pairs? lists)
            (begin (apply f (%cars lists)) (loop (%cdrs lists)))))))

(define (%all-pairs? lists)
  (or (null? lists) (and (pair? (car lists)) (%all-pairs? (cdr lists)))))
(define (%cars lists) (if (null? lists) '() (cons (caar lists) (%cars (cdr lists)))))
(define (%cdrs lists) (if (null? lists) '() (cons (cdar lists) (%cdrs (cdr lists)))))

(define (vector-map f v . vs)
  (list->vector (apply map f (vector->list v) (map vector->list vs))))
(define (vector-for-each f v . vs)
  (apply for-each f (vector->list v) (map vector->list vs)))
(define (string-map f s . ss)
  (list->string (apply map f (string->list s) (map string->list ss))))
(define (string-for-each f s . ss)
  (apply for-each f (string->list s) (map string->list ss)))

(define (member x list . compare)
  (if (null? compare)
      (%member x list)
      (let loop ((list list))
        (cond ((not (pair? list)) #f)
              (((car compare) x (car list)) list)
              (else (loop (cdr list)))))))

(define (assoc x alist . compare)
  (if (null? compare)
      (%assoc x alist)
      (let loop ((alist alist))
        (cond ((not (pair? alist)) #f)
              (((car compare) x (caar alist)) (car alist))
              (else (loop (cdr alist)))))))

(define (list-index pred list)
  (let loop ((list list) (i 0))
    (cond ((null? list) #f)
          ((pred (car list)) i)
          (else (loop (cdr list) (+ i 1))))))

(define (make-list n . fill)
  (let ((x (if (pair? fill) (car fill) #f)))
    (let loop ((n n) (acc '()))
      (if (<= n 0) acc (loop (- n 1) (cons x acc))))))

(define (boolean=? a b . rest)
  (and (eq? a b) (or (null? rest) (apply boolean=? b rest))))

(define (string-copy! to at from . range)
  (let* ((start (if (pair? range) (car range) 0))
         (end (if (and (pair? range) (pair? (cdr range))) (cadr range) (string-length from)))
         (chars (string->list (substring from start end))))
    (do ((i at (+ i 1)) (chars chars (cdr chars)))
        ((null? chars))
      (string-set! to i (car chars)))))

(define (vector-copy! to at from . range)
  (let* ((start (if (pair? range) (car range) 0))
         (end (if (and (pair? range) (pair? (cdr range))) (cadr range) (vector-length from)))
         (items (vector->list from start end)))
    (do ((i at (+ i 1)) (items items (cdr items)))
        ((null? items))
      (vector-set! to i (car items)))))

(define (vector->string v . range) (list->string (apply vector->list v range)))
(define (string->vector s . range) (list->vector (apply string->list s range)))

;;; Case-folding comparisons (char-ci=? and string-ci=? are builtins).

(define (%fold-chars args) (map char-downcase args))
(define (char-ci<? . cs) (apply char<? (%fold-chars cs)))
(define (char-ci>? . cs) (apply char>? (%fold-chars cs)))
(define (char-ci<=? . cs) (apply char<=? (%fold-chars cs)))
(define (char-ci>=? . cs) (apply char>=? (%fold-chars cs)))
(define (%fold-strings args) (map string-downcase args))
(define (string-ci<? . ss) (apply string<? (%fold-strings ss)))
(define (string-ci>? . ss) (apply string>? (%fold-strings ss)))
(define (string-ci<=? . ss) (apply string<=? (%fold-strings ss)))
(define (string-ci>=? . ss) (apply string>=? (%fold-strings ss)))

;;; Multiple values: one value is itself; zero or several are a %values object.

(define (call-with-values producer consumer)
  (let ((v (producer)))
    (if (%values? v)
        (apply consumer (%values->list v))
        (consumer v))))

;;; Promises: (delay e) expands to (%make-promise #f (lambda () e)).

(define-record-type promise (%make-promise done? value) promise?
  (done? %promise-done? %set-promise-done!)
  (value %promise-value %set-promise-value!))

(define (make-promise x) (if (promise? x) x (%make-promise #t x)))

(define (force p)
  (if (not (promise? p))
      p
      (let loop ()
        (if (%promise-done? p)
            (%promise-value p)
            (let ((v ((%promise-value p))))
              (if (not (%promise-done? p))
                  (if (promise? v)
                      (begin (%set-promise-done! p (%promise-done? v))
                             (%set-promise-value! p (%promise-value v)))
                      (begin (%set-promise-done! p #t)
                             (%set-promise-value! p v))))
              (loop))))))

;;; dynamic-wind and call/cc: %call/cc captures the whole continuation
;;; (re-entrant); the wind list %winders is unwound and rewound on the way
;;; from the current extent to the continuation's.

(define %winders '())

(define (dynamic-wind before thunk after)
  (before)
  (set! %winders (cons (cons before after) %winders))
  (let ((result (thunk)))
    (set! %winders (cdr %winders))
    (after)
    result))

(define (%common-tail x y)
  (let ((lx (length x)) (ly (length y)))
    (do ((x (if (> lx ly) (list-tail x (- lx ly)) x) (cdr x))
         (y (if (> ly lx) (list-tail y (- ly lx)) y) (cdr y)))
        ((eq? x y) x))))

(define (%rewind to)
  (let ((tail (%common-tail to %winders)))
    (let unwind ()
      (if (not (eq? %winders tail))
          (let ((after (cdar %winders)))
            (set! %winders (cdr %winders))
            (after)
            (unwind))))
    (let rewind ((to to))
      (if (not (eq? to tail))
          (begin (rewind (cdr to))
                 ((caar to))
                 (set! %winders to))))))

(define (call-with-current-continuation proc)
  (let ((winders %winders))
    (%call/cc
     (lambda (k)
       (proc (lambda results
               (if (not (eq? winders %winders)) (%rewind winders))
               (apply k results)))))))

(define call/cc call-with-current-continuation)

(define (call-with-output-string proc)
  (let ((port (open-output-string)))
    (proc port)
    (get-output-string port)))

(define (call-with-output-file file proc)
  (let* ((port (open-output-file file))
         (result (proc port)))
    (close-output-port port)
    result))

(define (call-with-input-file file proc)
  (let* ((port (open-input-file file))
         (result (proc port)))
    (close-input-port port)
    result))

(define (call-with-port port proc)
  (let ((result (proc port)))
    (close-port port)
    result))

(define (read-string k . port)
  (let loop ((k k) (acc '()))
    (let ((c (if (> k 0) (apply peek-char port) (eof-object))))
      (if (eof-object? c)
          (if (null? acc) c (list->string (reverse acc)))
          (begin (apply read-char port) (loop (- k 1) (cons c acc)))))))

(define (this-scheme-implementation-name) "gc-workspace-lisp")
