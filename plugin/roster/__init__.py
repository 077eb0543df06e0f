"""Names and Role Provisioning Services 2.0: who is in an LMS course, and who has not started or finished."""
