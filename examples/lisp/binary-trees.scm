; The binary-trees benchmark: allocate and walk many complete binary trees
; of pairs, while one long-lived tree stays live. The classic minimum depth
; is 4; inputs below 6 (for stress runs) use 2.
(define size 8)

(define (make-tree depth)
  (if (= depth 0)
      (cons '() '())
      (cons (make-tree (- depth 1)) (make-tree (- depth 1)))))

(define (check tree)
  ; The number of nodes.
  (if (null? (car tree))
      1
      (+ 1 (+ (check (car tree)) (check (cdr tree))))))

(define min-depth (if (< size 6) 2 4))
(define max-depth (if (< (+ min-depth 2) size) size (+ min-depth 2)))

(define (expt2 n) (if (= n 0) 1 (* 2 (expt2 (- n 1)))))

(define (report count label depth checksum)
  (display count) (display label) (display depth)
  (display " check: ") (display checksum) (newline))

(report "" "stretch tree of depth " (+ max-depth 1) (check (make-tree (+ max-depth 1))))

(define long-lived (make-tree max-depth))

(define (sum-trees iterations depth acc)
  (if (= iterations 0)
      acc
      (sum-trees (- iterations 1) depth (+ acc (check (make-tree depth))))))

(define (depths d)
  (if (<= d max-depth)
      (let ((iterations (expt2 (+ (- max-depth d) min-depth))))
        (report iterations " trees of depth " d (sum-trees iterations d 0))
        (depths (+ d 2)))))

(depths min-depth)
(report "" "long lived tree of depth " max-depth (check long-lived))
