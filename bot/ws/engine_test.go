package ws

import "testing"

func openEngine(t *testing.T, dir string) Engine { return newFakeEngine() }
