"""Exit codes, one meaning each, so cron wrappers and scripts can tell outcomes apart."""
OK = 0
FAILED = 1          # the job failed
BAD_INPUT = 2       # bad arguments or a bad data/config file: nothing was written
PARTIAL = 3         # the run finished but some sources failed
LOCKED = 4          # another run holds the lock
INTERRUPTED = 130   # stopped by SIGINT/SIGTERM
