// Package alibaba holds the facts about Alibaba Cloud that several parts of this project read the same
// way: the drivers of its volumes, how a FlexVolume disk PV names its disk, the labels and topology keys
// that carry zones and regions, and what a region ID looks like. The snapshotter and the restore rules
// both decide "is this PV a disk, and which one" here, so they cannot disagree.
package alibaba
