// Package arch holds no code: its test enforces the import rules of
// ARCHITECTURE.md §3 over the whole module.
package arch
