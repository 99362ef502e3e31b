; Counts the solutions of the n-queens problem for every board up to size,
; placing queens column by column into a vector.
(define size 7)

(define (safe? cols row col)
  ; Is a queen at (row, col) attacked by one of the queens in rows 0..row-1?
  (let loop ((r 0))
    (cond ((= r row) #t)
          ((= (vector-ref cols r) col) #f)
          ((= (- row r) (abs (- col (vector-ref cols r)))) #f)
          (else (loop (+ r 1))))))

(define (abs n) (if (< n 0) (- n) n))

(define (queens n)
  (define cols (make-vector n 0))
  (define (place row)
    (if (= row n)
        1
        (let try ((col 0) (count 0))
          (if (= col n)
              count
              (try (+ col 1)
                   (if (safe? cols row col)
                       (begin (vector-set! cols row col)
                              (+ count (place (+ row 1))))
                       count))))))
  (place 0))

(define (solutions-upto n)
  ; A list of (board-size . solutions) for boards 1..n.
  (let loop ((k n) (acc '()))
    (if (= k 0)
        acc
        (loop (- k 1) (cons (cons k (queens k)) acc)))))

(define (show results)
  (if (pair? results)
      (begin
        (display (car (car results))) (display " queens: ")
        (display (cdr (car results))) (display " solutions")
        (newline)
        (show (cdr results)))))

(show (solutions-upto size))
