"""The admin console: local admin accounts, and the pages an IT team runs Skillbite from.

Two kinds of people use it. Local admins (``skillbite admin create``) sign in at /admin/login and see every
platform. LMS administrators arriving by LTI (launch role ``admin``) see their own platform only: every
page and action is scoped to it (:mod:`plugin.admin.access`).
"""
