/**
 * A small app stack in podman (seed 000's shape): a base image imported from a tarball, the app
 * built from its context, a network, a data volume, the app container with a healthcheck and a
 * published port. test/e2e/modules/podman.test.ts runs it with --check --diff after changing a
 * file of the build context, then for real, then again: check must predict the rebuild AND the
 * container's recreation (the image task's effect), and the last run must change nothing.
 */
import { play, playbook, task } from '../../../../runner/index.js';
import { podman_container, podman_image, podman_import, podman_network, podman_volume } from '../../../../modules/index.js';

export default playbook(import.meta, [
  play({
    name: 'app stack in podman',
    hosts: 'all',
    gather_facts: false,
    tasks: [
      task('base image', podman_import({ src: '/tmp/hw-busybox.tar', repository: 'localhost/hw-base' })),
      task('app image', podman_image({ name: 'localhost/hw-app', path: '/tmp/hw-app' })),
      task('app network', podman_network({ name: 'hw-net', subnet: '10.90.0.0/24' })),
      task('data volume', podman_volume({ name: 'hw-data', label: { app: 'hw' } })),
      task(
        'app container',
        podman_container({
          name: 'hw-web',
          image: 'localhost/hw-app',
          env: { MSG: 'two' },
          publish: ['18080:8080'],
          network: ['hw-net'],
          network_aliases: ['web'],
          volume: ['hw-data:/data'],
          label: { tier: 'front' },
          healthcheck: 'wget -q -O /dev/null http://127.0.0.1:8080/',
          healthcheck_interval: '5s',
          wait_healthy: 30,
          stop_timeout: 1,
        }),
      ),
    ],
  }),
]);
