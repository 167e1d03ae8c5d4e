module github.com/catchment/catchment

go 1.26.8

require (
	github.com/paulmach/orb v0.14.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/tidwall/geoindex v1.7.0 // indirect
	github.com/tidwall/rtree v1.10.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
