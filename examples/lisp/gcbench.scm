; Boehm's GCBench (Ellis, Kovac and Boehm), written from its algorithm:
; stretch the heap with one big tree, keep a long-lived tree and a
; long-lived array, then build many short-lived complete binary trees of
; growing depth, top-down (Populate fills in an empty node's children)
; and bottom-up (MakeTree builds the children first), the same number of
; nodes at every depth. A node is a vector: #(left right i j).
; The original's depths are 18 (stretch) and 16 (long-lived, maximum); here
; they scale with size.
(define size 12)

(define stretch-depth size)
(define long-lived-depth (- size 2))
(define min-depth (if (< size 8) 2 4))
(define max-depth (- size 2))
(define array-size (* 2000 size))

(define (make-node left right) (vector left right 0 0))
(define (empty-node) (make-node '() '()))
(define (left node) (vector-ref node 0))
(define (right node) (vector-ref node 1))

(define (expt2 n) (if (= n 0) 1 (* 2 (expt2 (- n 1)))))
(define (tree-size depth) (- (expt2 (+ depth 1)) 1))
(define (iterations depth) (quotient (* 2 (tree-size stretch-depth)) (tree-size depth)))

; Top down: give an empty node two empty children, then fill those in.
(define (populate depth node)
  (if (> depth 0)
      (begin
        (vector-set! node 0 (empty-node))
        (vector-set! node 1 (empty-node))
        (populate (- depth 1) (left node))
        (populate (- depth 1) (right node)))))

; Bottom up: build both subtrees, then the node above them.
(define (make-tree depth)
  (if (<= depth 0)
      (empty-node)
      (make-node (make-tree (- depth 1)) (make-tree (- depth 1)))))

(define (count-nodes node)
  (if (null? node)
      0
      (+ 1 (count-nodes (left node)) (count-nodes (right node)))))

(define (repeat n thunk last)
  (if (= n 0) last (repeat (- n 1) thunk (thunk))))

(define (time-construction depth)
  (let ((n (iterations depth)))
    (display "Creating ") (display n) (display " trees of depth ") (display depth) (newline)
    (display "  Top down construction: last tree has ")
    (display (count-nodes
              (repeat n (lambda () (let ((node (empty-node))) (populate depth node) node)) '())))
    (display " nodes") (newline)
    (display "  Bottom up construction: last tree has ")
    (display (count-nodes (repeat n (lambda () (make-tree depth)) '())))
    (display " nodes") (newline)))

(define (construct-all depth)
  (if (<= depth max-depth)
      (begin (time-construction depth) (construct-all (+ depth 2)))))

(display "Garbage Collector Test") (newline)
(display " Stretching memory with a binary tree of depth ") (display stretch-depth) (newline)
(display " Stretch tree has ") (display (count-nodes (make-tree stretch-depth))) (display " nodes")
(newline)

(display " Creating a long-lived binary tree of depth ") (display long-lived-depth) (newline)
(define long-lived (empty-node))
(populate long-lived-depth long-lived)

(display " Creating a long-lived array of ") (display array-size) (display " elements") (newline)
(define array (make-vector array-size 0))
(define (fill-array i)
  (if (< i (quotient array-size 2))
      (begin (vector-set! array i (* i i)) (fill-array (+ i 1)))))
(fill-array 0)

(construct-all min-depth)

(display "Long-lived tree has ") (display (count-nodes long-lived)) (display " nodes; array check: ")
(display (if (= (vector-ref array 1000) 1000000) "ok" "FAILED"))
(newline)
