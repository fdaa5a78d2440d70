//go:build !windows

package probe

// underWine is a Windows question.
func underWine() bool { return false }
