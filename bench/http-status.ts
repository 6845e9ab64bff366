import http from 'node:http';

/** The status code of GET `route` on 127.0.0.1:`port`; 0 when nothing answers within a second. */
export const httpStatus = (port: number, route: string) => new Promise<number>((resolve) => {
  const request = http.get({ host: '127.0.0.1', port, path: route, timeout: 1000 }, (response) => {
    response.resume();
    resolve(response.statusCode ?? 0);
  });
  request.on('error', () => resolve(0));
  request.on('timeout', () => request.destroy());
});
