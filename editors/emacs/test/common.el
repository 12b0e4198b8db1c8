;;; common.el --- Shared helpers of the batch drivers  -*- lexical-binding: t; -*-

;; Environment: PYPROTOCOL_EL (pyprotocol.el), PYPROTOCOL_COMMAND (JSON list: the
;; server command), PYPROTOCOL_FILE (the file to open), PYPROTOCOL_RESULT (where the
;; JSON result goes).  The driver records its steps and exits 0 when all passed.

(require 'cl-lib)
(require 'json)
(require 'package)

;; Debian's elpa-* packages (and nothing from the user's ~/.emacs.d).
(setq package-user-dir (expand-file-name "elpa" (or (getenv "HOME") temporary-file-directory)))
(package-initialize)

(load (getenv "PYPROTOCOL_EL") nil t)
(setq pyprotocol-command (append (json-read-from-string (getenv "PYPROTOCOL_COMMAND")) nil))
;; Proves that the settings reach the server: PP105 is a warning by default.
(setq pyprotocol-override '(:severity (:PP105 "error")))

(defvar drive-result nil "Alist written as JSON at the end.")
(defvar drive-steps nil "Names of the steps done, in order.")
(defvar drive-started (float-time))

(defun drive-record (key value)
  "Record VALUE under KEY in the result."
  (setf (alist-get key drive-result) value))

(defun drive-step (name)
  "Record that the step NAME passed."
  (push (cons name (- (float-time) drive-started)) drive-steps)
  (message "STEP %.1f %s" (- (float-time) drive-started) name))

(defun drive-wait (what predicate &optional seconds)
  "Wait until PREDICATE returns non-nil (its value), or fail naming WHAT."
  (let ((deadline (+ (float-time) (or seconds 60)))
        value)
    (while (and (not (setq value (funcall predicate)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or value (error "Timed out waiting for %s" what))))

(defun drive-finish (error-message)
  "Write the result (with ERROR-MESSAGE when a step failed) and exit."
  (drive-record 'steps (reverse drive-steps))
  (when error-message
    (drive-record 'error error-message))
  (with-temp-file (getenv "PYPROTOCOL_RESULT")
    (insert (json-encode drive-result)))
  (kill-emacs (if error-message 1 0)))

(defmacro drive-run (&rest body)
  "Run BODY, record any error, write the result and exit."
  `(progn
     ;; A watchdog: never hang the test run.
     (run-at-time 150 nil (lambda () (drive-finish "watchdog: 150 s passed")))
     (condition-case err
         (progn ,@body (drive-finish nil))
       (error (drive-finish (error-message-string err))))))

(defun drive-buffer-text ()
  "The current buffer's text without properties."
  (buffer-substring-no-properties (point-min) (point-max)))

(provide 'common)
;;; common.el ends here
