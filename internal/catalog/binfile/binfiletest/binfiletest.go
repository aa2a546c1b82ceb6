// Package binfiletest builds small executables for the tests of the
// catalogers of compiled programs (Go binaries, cargo-auditable Rust
// binaries): a minimal ELF, PE or Mach-O file holding one section, and an
// ELF whose section name table is compressed. It is for tests only: no
// cataloger may import it.
package binfiletest

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
)

// ELF writes a minimal little-endian x86-64 ELF executable whose only
// content is one section, also mapped by a writable PT_LOAD segment: what
// debug/buildinfo needs to find .go.buildinfo. An empty name gives an ELF
// with no section and no segment.
func ELF(name string, data []byte) []byte {
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

// PE writes a minimal x86-64 PE file (DOS stub header, "PE\0\0", COFF
// file header without optional header) with one section.
func PE(name string, data []byte) []byte {
	const (
		peOff   = 0x40
		dataOff = 0x200
	)
	var b bytes.Buffer
	le := binary.LittleEndian
	dos := make([]byte, peOff)
	copy(dos, "MZ")
	le.PutUint32(dos[0x3c:], peOff)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	_ = binary.Write(&b, le, pe.FileHeader{
		Machine:          pe.IMAGE_FILE_MACHINE_AMD64,
		NumberOfSections: 1,
		Characteristics:  pe.IMAGE_FILE_EXECUTABLE_IMAGE,
	})
	sh := pe.SectionHeader32{
		VirtualSize:      uint32(len(data)),
		VirtualAddress:   0x1000,
		SizeOfRawData:    uint32(len(data)),
		PointerToRawData: dataOff,
		Characteristics:  pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ,
	}
	copy(sh.Name[:], name)
	_ = binary.Write(&b, le, sh)
	b.Write(make([]byte, dataOff-b.Len()))
	b.Write(data)
	return b.Bytes()
}

// MachO writes a minimal 64-bit little-endian x86-64 Mach-O executable
// with one section in the __DATA segment, where cargo-auditable puts
// .dep-v0 on Apple platforms.
func MachO(name string, data []byte) []byte {
	const (
		hdrSize = 32
		segSize = 72
		secSize = 80
		dataOff = 256
	)
	var b bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&b, le, macho.FileHeader{
		Magic:  macho.Magic64,
		Cpu:    macho.CpuAmd64,
		SubCpu: 3,
		Type:   macho.TypeExec,
		Ncmd:   1,
		Cmdsz:  segSize + secSize,
	})
	b.Write(make([]byte, hdrSize-b.Len())) // 64-bit header's reserved word
	seg := macho.Segment64{
		Cmd:     macho.LoadCmdSegment64,
		Len:     segSize + secSize,
		Addr:    0x100000000,
		Memsz:   uint64(len(data)),
		Offset:  dataOff,
		Filesz:  uint64(len(data)),
		Maxprot: 3,
		Prot:    3,
		Nsect:   1,
	}
	copy(seg.Name[:], "__DATA")
	_ = binary.Write(&b, le, seg)
	sec := macho.Section64{
		Addr:   0x100000000,
		Size:   uint64(len(data)),
		Offset: dataOff,
	}
	copy(sec.Name[:], name)
	copy(sec.Seg[:], "__DATA")
	_ = binary.Write(&b, le, sec)
	b.Write(make([]byte, dataOff-b.Len()))
	b.Write(data)
	return b.Bytes()
}

// WithCompressedNameTable rewrites a file made by ELF so that its section
// name table is an SHF_COMPRESSED section holding a zlib stream that
// inflates to inflated zero bytes, declared in its compression header.
func WithCompressedNameTable(file []byte, inflated int) []byte {
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
