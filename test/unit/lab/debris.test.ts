import { describe, expect, test } from 'vitest';
import { describeDebris, findDebris, isInstanceLink, parseLinkNames, parseMountPoints, parseNetnsList } from '../../lab/debris.js';

const netnsList = 'hw-lab-lab01 (id: 3)\nhw-lab-lab02 (id: 4)\nhw-lab2-lab201 (id: 5)\nhwsd-1 (id: 0)\nother\n';
const linkList = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN',
  '4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500',
  '9: hw-lab: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP',
  '10: hw-lab-1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master hw-lab',
  '11: hw-lab2: <BROADCAST,MULTICAST> mtu 1500',
  '12: hw-lab2-1@if2: <BROADCAST,MULTICAST> mtu 1500 master hw-lab2',
  '13: hw-lab-x: <BROADCAST> mtu 1500',
].join('\n');
const mountinfo = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '400 22 0:4 net:[4026532300] /run/netns/hw-lab-lab01 rw shared:5 - nsfs nsfs rw',
  '401 22 0:4 net:[4026532301] /run/netns/hw-lab2-lab201 rw shared:5 - nsfs nsfs rw',
  '402 22 0:50 / /var/lib/hostwright-lab/lab/hosts/lab01/root rw - overlay overlay rw',
  '403 402 0:51 / /var/lib/hostwright-lab/lab/hosts/lab01/root/proc rw - proc proc rw',
  '404 22 0:52 / /var/lib/hostwright-lab/lab2/hosts/x rw - overlay overlay rw',
  '405 22 0:53 / /run/hostwright-lab/lab/with\\040space rw - tmpfs tmpfs rw',
].join('\n');

describe('parsing', () => {
  test('ip netns list, with and without ids', () => {
    expect(parseNetnsList(netnsList)).toEqual(['hw-lab-lab01', 'hw-lab-lab02', 'hw-lab2-lab201', 'hwsd-1', 'other']);
  });

  test('ip -o link show: name without the @peer part', () => {
    expect(parseLinkNames(linkList)).toEqual(['lo', 'eth0', 'hw-lab', 'hw-lab-1', 'hw-lab2', 'hw-lab2-1', 'hw-lab-x']);
  });

  test('mountinfo mount points with octal escapes undone', () => {
    expect(parseMountPoints(mountinfo)).toContain('/run/hostwright-lab/lab/with space');
  });
});

describe('findDebris', () => {
  test("finds only the instance's own objects, deepest mounts first", () => {
    const d = findDebris('lab', { netnsList, linkList, mountinfo });
    expect(d.netns).toEqual(['hw-lab-lab01', 'hw-lab-lab02']);
    expect(d.links).toEqual(['hw-lab', 'hw-lab-1']);
    expect(d.mounts).toEqual([
      '/var/lib/hostwright-lab/lab/hosts/lab01/root/proc',
      '/var/lib/hostwright-lab/lab/hosts/lab01/root',
      '/run/hostwright-lab/lab/with space',
    ]);
  });

  test('another instance whose name extends this one is left alone, and vice versa', () => {
    const d = findDebris('lab2', { netnsList, linkList, mountinfo });
    expect(d.netns).toEqual(['hw-lab2-lab201']);
    expect(d.links).toEqual(['hw-lab2', 'hw-lab2-1']);
    expect(d.mounts).toEqual(['/var/lib/hostwright-lab/lab2/hosts/x']);
    expect(isInstanceLink('lab', 'hw-lab2-1')).toBe(false);
    expect(isInstanceLink('lab', 'hw-lab-x')).toBe(false);
  });

  test('a clean machine has no debris', () => {
    const d = findDebris('e2e', { netnsList, linkList, mountinfo });
    expect(d).toEqual({ netns: [], links: [], mounts: [] });
    expect(describeDebris(d)).toBe('');
  });

  test('describeDebris summarises', () => {
    const d = findDebris('lab', { netnsList, linkList, mountinfo });
    expect(describeDebris(d, ['3 host processes'])).toBe('2 netns, 2 links (hw-lab, hw-lab-1), 3 mounts, 3 host processes');
  });
});
