// Package repocheck holds the tests of the repository as a whole rather than
// of one package: every exported name has a doc comment, the record of the
// exported API under api/ matches the code, SECURITY.md cites tests that
// exist, root test files sit by subject, and every test package checks for
// leaked goroutines.
package repocheck
