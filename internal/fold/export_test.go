package fold

// Slow folds without the ASCII short path, to check the two agree.
func SlowName(s string) string { return fixed(s, step) }
func SlowEmail(s string) string {
	return fixed(s, func(s string) string { return trimDomainDots(step(s)) })
}

// Step is one round of folding.
func Step(s string) string { return step(s) }
