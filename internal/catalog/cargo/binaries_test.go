package cargo

import "github.com/vigilhq/vigil/internal/catalog/binfile/binfiletest"

// The executables the tests read, built by the shared test helpers.
var (
	tinyELF                 = binfiletest.ELF
	tinyPE                  = binfiletest.PE
	tinyMachO               = binfiletest.MachO
	withCompressedNameTable = binfiletest.WithCompressedNameTable
)
