module github.com/liteforge/liteforge

go 1.26
