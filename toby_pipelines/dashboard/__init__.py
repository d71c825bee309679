"""The owner's dashboard (spec sections 3 and 6): server-rendered pages over the control API's
views, one per section, signed in with the user's API token."""
