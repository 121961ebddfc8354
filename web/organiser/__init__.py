"""Organiser (组委会/会务组) pages: meet setup, accounts, member archive, audit log."""

from web.organiser import accounts, audit_log, meet_setup, people

ROUTES = [*meet_setup.ROUTES, *accounts.ROUTES, *people.ROUTES, *audit_log.ROUTES]
