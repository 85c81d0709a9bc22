package ui

// logout asks for the back-channel logout URI.
type logout struct{ askForm }

func newLogout(c *common) *logout { return &logout{askForm{c: c, at: stateLogout}} }
