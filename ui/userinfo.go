package ui

// userinfo asks whether CIS2 signs userinfo responses, and with which algorithm.
type userinfo struct{ askForm }

func newUserinfo(c *common) *userinfo { return &userinfo{askForm{c: c, at: stateUserinfo}} }
