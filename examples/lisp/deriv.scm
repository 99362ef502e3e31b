; Gabriel's deriv benchmark: symbolic differentiation of
; 3x^2 + ax^2 + bx + 5 with respect to x, over and over. It conses a fresh
; derivative tree on every iteration and keeps only the last one.
(define size 5000)

(define (map f xs) (if (null? xs) '() (cons (f (car xs)) (map f (cdr xs)))))
(define (cadr x) (car (cdr x)))
(define (caddr x) (car (cdr (cdr x))))

(define (deriv-aux a) (list '/ (deriv a) a))

(define (deriv a)
  (cond ((not (pair? a)) (if (eq? a 'x) 1 0))
        ((eq? (car a) '+) (cons '+ (map deriv (cdr a))))
        ((eq? (car a) '-) (cons '- (map deriv (cdr a))))
        ((eq? (car a) '*) (list '* a (cons '+ (map deriv-aux (cdr a)))))
        ((eq? (car a) '/)
         (list '-
               (list '/ (deriv (cadr a)) (caddr a))
               (list '/ (cadr a) (list '* (caddr a) (caddr a) (deriv (caddr a))))))
        (else (car 'no-derivative))))

(define expression '(+ (* 3 x x) (* a x x) (* b x) 5))

(define (run n last)
  (if (= n 0) last (run (- n 1) (deriv expression))))

(display "d/dx ") (display expression) (newline)
(display "  = ") (display (run size '())) (newline)
(display "iterations: ") (display size) (newline)
