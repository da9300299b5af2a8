"""The embedded Intacct: a WSGI app that behaves like one Intacct company.

Rules come from ../shared/reference/intacct-api.md, never from the client code in this
package (kinds/, client/), so a client bug cannot hide behind a mirrored sandbox bug.
Behaviour the reference does not settle is marked `# assumption:` where it is implemented.
"""
