package ui

// org asks who is going live and the client id CIS2 issued.
type org struct{ askForm }

func newOrg(c *common) *org { return &org{askForm{c: c, at: stateOrg}} }
