package gobinary

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"encoding/binary"
)

// tinyELF writes a minimal little-endian x86-64 ELF executable whose only
// content is one section, also mapped by a writable PT_LOAD segment: what
// debug/buildinfo needs to find .go.buildinfo. An empty name gives an ELF
// with no section and no segment.
func tinyELF(name string, data []byte) []byte {
	const (
		ehdrSize = 64
		phdrSize = 56
		shdrSize = 64
		dataOff  = 128 // 16-aligned, after the header and one program header
		vaddr    = 0x10000
	)
	var shstr bytes.Buffer
	shstr.WriteByte(0)
	nameOff := shstr.Len()
	shstr.WriteString(name + "\x00")
	shstrOff := shstr.Len()
	shstr.WriteString(".shstrtab\x00")

	strtabAt := dataOff + len(data)
	shoff := (strtabAt + shstr.Len() + 7) &^ 7

	h := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(elf.EM_X86_64),
		Version:   uint32(elf.EV_CURRENT),
		Ehsize:    ehdrSize,
		Phentsize: phdrSize,
		Shentsize: shdrSize,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	if name != "" {
		h.Phoff = ehdrSize
		h.Phnum = 1
		h.Shoff = uint64(shoff)
		h.Shnum = 3
		h.Shstrndx = 2
	}

	var b bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&b, le, h)
	if name == "" {
		return b.Bytes()
	}
	_ = binary.Write(&b, le, elf.Prog64{
		Type:   uint32(elf.PT_LOAD),
		Flags:  uint32(elf.PF_R | elf.PF_W),
		Off:    dataOff,
		Vaddr:  vaddr,
		Paddr:  vaddr,
		Filesz: uint64(len(data)),
		Memsz:  uint64(len(data)),
		Align:  16,
	})
	b.Write(make([]byte, dataOff-b.Len()))
	b.Write(data)
	b.Write(shstr.Bytes())
	b.Write(make([]byte, shoff-b.Len()))
	_ = binary.Write(&b, le, elf.Section64{}) // SHN_UNDEF
	_ = binary.Write(&b, le, elf.Section64{
		Name:      uint32(nameOff),
		Type:      uint32(elf.SHT_PROGBITS),
		Flags:     uint64(elf.SHF_ALLOC | elf.SHF_WRITE),
		Addr:      vaddr,
		Off:       dataOff,
		Size:      uint64(len(data)),
		Addralign: 16,
	})
	_ = binary.Write(&b, le, elf.Section64{
		Name: uint32(shstrOff),
		Type: uint32(elf.SHT_STRTAB),
		Off:  uint64(strtabAt),
		Size: uint64(shstr.Len()),
	})
	return b.Bytes()
}

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

// withCompressedNameTable rewrites an ELF from tinyELF so that its section
// name table is an SHF_COMPRESSED section holding a zlib stream that
// inflates to inflated zero bytes, declared in its compression header.
func withCompressedNameTable(file []byte, inflated int) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(make([]byte, inflated))
	_ = zw.Close()

	le := binary.LittleEndian
	var b bytes.Buffer
	b.Write(file)
	off := b.Len()
	_ = binary.Write(&b, le, elf.Chdr64{Type: uint32(elf.COMPRESS_ZLIB), Size: uint64(inflated), Addralign: 1})
	b.Write(z.Bytes())
	out := b.Bytes()

	shoff := le.Uint64(out[0x28:])
	sh := out[shoff+2*64:] // section 2 is .shstrtab
	le.PutUint64(sh[8:], uint64(elf.SHF_COMPRESSED))
	le.PutUint64(sh[24:], uint64(off))
	le.PutUint64(sh[32:], uint64(len(out)-off))
	return out
}
