package binfile

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
)

// ErrCompressedNameTable refuses ELF files whose section name table is
// compressed: debug/elf inflates that table, up to the size it declares, as
// soon as it opens a file, so a small file could make it allocate
// gigabytes. Linkers never compress the table.
var ErrCompressedNameTable = errors.New("ELF section name table is compressed: not inflating it")

// CheckELFNameTable returns ErrCompressedNameTable for an ELF file whose
// section name table has SHF_COMPRESSED set, and nil for anything else
// (other formats and malformed headers are left to the parsers).
func CheckELFNameTable(r io.ReaderAt) error {
	var ident [elf.EI_NIDENT]byte
	if _, err := r.ReadAt(ident[:], 0); err != nil || !bytes.HasPrefix(ident[:], []byte(elf.ELFMAG)) {
		return nil
	}
	var bo binary.ByteOrder
	switch elf.Data(ident[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		bo = binary.BigEndian
	default:
		return nil
	}
	var (
		shoff     uint64
		shentsize uint64
		shstrndx  uint64
		wide      bool // 64-bit: section flags are 8 bytes
	)
	sr := io.NewSectionReader(r, 0, 1<<20)
	switch elf.Class(ident[elf.EI_CLASS]) {
	case elf.ELFCLASS64:
		var h elf.Header64
		if binary.Read(sr, bo, &h) != nil {
			return nil
		}
		shoff, shentsize, shstrndx, wide = h.Shoff, uint64(h.Shentsize), uint64(h.Shstrndx), true
	case elf.ELFCLASS32:
		var h elf.Header32
		if binary.Read(sr, bo, &h) != nil {
			return nil
		}
		shoff, shentsize, shstrndx = uint64(h.Shoff), uint64(h.Shentsize), uint64(h.Shstrndx)
	default:
		return nil
	}
	if shoff == 0 || shoff > 1<<62 || shentsize == 0 {
		return nil
	}
	field := func(off uint64, size int) (uint64, bool) {
		b := make([]byte, size)
		if _, err := r.ReadAt(b, int64(off)); err != nil {
			return 0, false
		}
		if size == 8 {
			return bo.Uint64(b), true
		}
		return uint64(bo.Uint32(b)), true
	}
	if shstrndx == uint64(elf.SHN_XINDEX) {
		// The real index is in the sh_link field of section 0.
		linkOff := uint64(24)
		if wide {
			linkOff = 40
		}
		v, ok := field(shoff+linkOff, 4)
		if !ok {
			return nil
		}
		shstrndx = v
	}
	if shstrndx == 0 || shstrndx > 1<<32 {
		return nil
	}
	flagSize := 4
	if wide {
		flagSize = 8
	}
	// sh_flags follows sh_name and sh_type in both classes.
	flags, ok := field(shoff+shstrndx*shentsize+8, flagSize)
	if ok && elf.SectionFlag(flags)&elf.SHF_COMPRESSED != 0 {
		return ErrCompressedNameTable
	}
	return nil
}
