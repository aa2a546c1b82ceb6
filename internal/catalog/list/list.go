// Package list is the explicit list of Vigil's catalogers. There is no
// init() registration: a cataloger that is not listed here does not run, and
// a test checks that every cataloger package is listed.
package list

import (
	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/apk"
	"github.com/vigilhq/vigil/internal/catalog/cargo"
	"github.com/vigilhq/vigil/internal/catalog/composer"
	"github.com/vigilhq/vigil/internal/catalog/dotnet"
	"github.com/vigilhq/vigil/internal/catalog/dpkg"
	"github.com/vigilhq/vigil/internal/catalog/gem"
	"github.com/vigilhq/vigil/internal/catalog/gobinary"
	"github.com/vigilhq/vigil/internal/catalog/java"
	"github.com/vigilhq/vigil/internal/catalog/npm"
	"github.com/vigilhq/vigil/internal/catalog/osrelease"
	"github.com/vigilhq/vigil/internal/catalog/python"
	"github.com/vigilhq/vigil/internal/catalog/rpm"
)

// All returns every cataloger, OS catalogers first.
func All() []catalog.Cataloger {
	return []catalog.Cataloger{
		osrelease.Cataloger{},
		dpkg.Cataloger{},
		apk.Cataloger{},
		rpm.Cataloger{},
		gobinary.Cataloger{},
		cargo.Cataloger{},
		npm.Cataloger{},
		npm.LockCataloger{},
		python.Cataloger{},
		java.Cataloger{},
		gem.Cataloger{},
		composer.Cataloger{},
		dotnet.Cataloger{},
	}
}
