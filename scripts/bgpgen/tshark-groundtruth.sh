#!/usr/bin/env bash
# tshark-groundtruth.sh PCAP... - write PCAP.tsv: the reference-dissector ground truth, made with
# exactly the tshark command and columns of /work/shared/corpus/INVENTORY.md (header line,
# frames with BGP or malformed only: -Y 'bgp || _ws.malformed'; this reproduces 77 of the 78
# corpus tsv files byte for byte). If PCAP.info.txt (from gen-capture.sh) exists, checks that
# the number of UPDATE messages (bgp.type == 2, comma-aggregated per frame) equals GoBGP's count.
set -euo pipefail
rc=0
for f in "$@"; do
  tshark -n -d tcp.port==1179,bgp -r "$f" -Y 'bgp || _ws.malformed' \
    -T fields -E header=y -E occurrence=a -E aggregator=, -E separator=/t \
    -e frame.number -e frame.protocols -e bgp.type -e bgp.nlri_prefix -e bgp.withdrawn_prefix \
    -e bgp.mp_reach_nlri_ipv4_prefix -e bgp.mp_unreach_nlri_ipv4_prefix -e bgp.mp_reach_nlri_ipv6_prefix -e bgp.mp_unreach_nlri_ipv6_prefix \
    -e bgp.prefix_length -e bgp.update.path_attribute.origin -e bgp.update.path_attribute.as_path_segment.type \
    -e bgp.update.path_attribute.as_path_segment.as2 -e bgp.update.path_attribute.as_path_segment.as4 \
    -e bgp.update.path_attribute.mp_reach_nlri.afi -e bgp.update.path_attribute.mp_reach_nlri.safi -e bgp.nlri_path_id -e _ws.malformed -e _ws.expert.severity \
    > "$f.tsv" 2> >(grep -v 'Running as user "root"' >&2 || true)
  u=$(awk -F'\t' 'NR > 1 { n = split($3, a, ","); for (i = 1; i <= n; i++) if (a[i] == "2") c++ } END { print c + 0 }' "$f.tsv")
  g=$(sed -n 's/^UPDATE messages received by GoBGP: \([0-9][0-9]*\)$/\1/p' "$f.info.txt" 2>/dev/null || true)
  msg="$f.tsv: $(($(wc -l < "$f.tsv") - 1)) frames, $u UPDATE messages"
  if [[ -n $g ]]; then
    if [[ $u == "$g" ]]; then msg+=" = GoBGP $g: OK"; else msg+=" != GoBGP $g: MISMATCH"; rc=1; fi
  fi
  echo "$msg"
done
exit $rc
