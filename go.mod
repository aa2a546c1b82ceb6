module github.com/vigilhq/vigil

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0
	github.com/package-url/packageurl-go v0.1.7
)
