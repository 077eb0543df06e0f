"""Assignment and Grade Services 2.0: scores computed on the server, sent to the LMS gradebook by the worker."""
