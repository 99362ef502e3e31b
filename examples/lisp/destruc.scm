; Gabriel's destruc benchmark: destructive list operations. A list of 10
; lists is repeatedly rebuilt in place with set-car! and set-cdr!: when its
; first sublist is empty every sublist gets m fresh cells appended,
; otherwise each sublist's second half is spliced onto the front half of
; the one before it, marking the cells it walks with the iteration number.
(define size 600)

(define (make-nils n) (let loop ((j n) (a '())) (if (= j 0) a (loop (- j 1) (cons '() a)))))

(define (append-to-tail! x y)
  (if (null? x)
      y
      (let loop ((a x) (b (cdr x)))
        (if (null? b)
            (begin (set-cdr! a y) x)
            (loop b (cdr b))))))

; Walks j cells from a, marking each with i; returns the cell reached.
(define (mark-walk j a i)
  (if (= j 0) a (begin (set-car! a i) (mark-walk (- j 1) (cdr a) i))))

; Cuts the sublist in l1 after its first half (marking it), returning the
; second half.
(define (cut-half! l1 i)
  (let ((n (quotient (length (car l1)) 2)))
    (if (= n 0)
        (begin (set-car! l1 '()) (car l1))
        (let ((a (mark-walk (- n 1) (car l1) i)))
          (let ((x (cdr a)))
            (set-cdr! a '())
            x)))))

(define (destructive n m)
  (let ((l (make-nils 10)))
    (let outer ((i n))
      (if (= i 0)
          l
          (begin
            (if (null? (car l))
                (let fill ((l l))
                  (if (pair? l)
                      (begin
                        (if (null? (car l)) (set-car! l (cons '() '())))
                        (append-to-tail! (car l) (make-nils m))
                        (fill (cdr l)))))
                (let splice ((l1 l) (l2 (cdr l)))
                  (if (pair? l2)
                      (begin
                        (set-cdr! (mark-walk (quotient (length (car l2)) 2) (car l2) i)
                                  (cut-half! l1 i))
                        (splice (cdr l1) (cdr l2))))))
            (outer (- i 1)))))))

(define (lengths xs) (if (null? xs) '() (cons (length (car xs)) (lengths (cdr xs)))))

(define result (destructive size 50))
(display "sublist lengths: ") (display (lengths result)) (newline)
(display "first sublist: ") (display (car result)) (newline)
