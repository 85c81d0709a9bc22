package ui

// security asks for the security pattern: private key JWT (recommended) or client secret.
// Switching pattern keeps the other pattern's answers in the draft; they are not used (see
// model.Config.Used).
type security struct{ askForm }

func newSecurity(c *common) *security { return &security{askForm{c: c, at: stateSecurity}} }
