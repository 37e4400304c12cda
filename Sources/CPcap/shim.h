#ifndef BGPSENTRY_CPCAP_SHIM_H
#define BGPSENTRY_CPCAP_SHIM_H
#include <pcap/pcap.h>
#include <stdio.h>
#endif
