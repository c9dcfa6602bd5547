// Package repocheck holds the tests of the repository as a whole rather than
// of one package: every exported name has a doc comment, SECURITY.md cites
// tests that exist, and every test package checks for leaked goroutines.
package repocheck
