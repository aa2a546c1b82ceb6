package gobinary

import (
	"bytes"
	"encoding/binary"

	"github.com/vigilhq/vigil/internal/catalog/binfile/binfiletest"
)

// The executables the tests read, built by the shared test helpers.
var (
	tinyELF                 = binfiletest.ELF
	withCompressedNameTable = binfiletest.WithCompressedNameTable
)

// buildInfoBlob is the .go.buildinfo content the Go 1.18+ linker writes: a
// 32-byte header (magic, pointer size, flags with the inline-strings bit),
// then the toolchain version and the module information as varint-prefixed
// strings, the latter framed by 16 sentinel bytes on each side.
func buildInfoBlob(goVersion, modinfo string) []byte {
	var b bytes.Buffer
	b.WriteString("\xff Go buildinf:")
	b.WriteByte(8)   // pointer size
	b.WriteByte(0x2) // little-endian, inline strings
	b.Write(make([]byte, 16))
	framed := "0w\xaf\x0c\x92t\b\x02A\xe1\xc1\a\xe6\xd6\x18\xe6" + modinfo + "\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2"
	for _, s := range []string{goVersion, framed} {
		b.Write(binary.AppendUvarint(nil, uint64(len(s))))
		b.WriteString(s)
	}
	return b.Bytes()
}
